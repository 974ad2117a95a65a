/**
 * What a view's button handler gets besides the press: the sent view's state, and the ways to
 * change it (the message is edited) or close it.
 */
export interface ViewHandle<S> {
  /** The view's name (as given to `bot.view`). */
  readonly name: string;
  /** The state the pressed message carries. */
  readonly state: S;
  /** Who the view was sent in reply to (undefined when it was sent to no one in particular). */
  readonly author: number | undefined;
  /** When the view expires (milliseconds since the epoch). */
  readonly expiresAt: number;
  /** Stores the new state and edits the message: its text and buttons are made from it. */
  update(state: S): Promise<void>;
  /**
   * Closes the view: later presses of the message are answered as expired, and the message is
   * edited to `text` (default: the current state's text) without naming a keyboard.
   */
  close(text?: string): Promise<void>;
}
