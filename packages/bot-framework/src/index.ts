/** VK bot framework: commands, middleware, keyboards, FSM, routers. The implementation lands with its own issue. */
export {};
