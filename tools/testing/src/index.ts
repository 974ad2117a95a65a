/** Test infrastructure shared by vkwire packages. */
export {};
