// Views: messages with callback buttons bound to handlers and state
export type { ViewHandle } from './handle.js';
export type {
  ViewAllow,
  ViewButtonOptions,
  ViewHandler,
  ViewLabel,
  ViewOptions,
} from './options.js';
export { View, ViewBuilder, type ViewData } from './view.js';
