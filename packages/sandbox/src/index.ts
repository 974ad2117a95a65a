/** An offline VK for tests and local development: API, Long Poll, simulated users and chats, faults. The implementation lands with its own issue. */
export {};
