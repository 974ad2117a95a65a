// A standalone Node server for the endpoint

// The endpoint as a (req, res) handler for node:http, express and the like
export { createNodeCallbackHandler, type NodeCallbackHandler } from './node-handler.js';
export { type CallbackServer, type ServeCallbackOptions, serveCallback } from './node-server.js';
