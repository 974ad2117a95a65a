/** The bytes of an uploaded file, served at `GET /_sandbox/media/<attachment>`. */
export interface MediaFile {
  data: Uint8Array;
  /** The content type the uploader gave (`application/octet-stream` when none). */
  mime: string;
  fileName: string;
}

/**
 * The bytes of uploaded photos and documents, by attachment key (`photo-1_457240001`), so that
 * the chat page can show what a bot or a user uploaded. Bounded by a byte budget: the oldest
 * files go first, and a key whose file went is remembered as evicted (answered 410, not 404).
 */
export class MediaFiles {
  private readonly files = new Map<string, MediaFile>();
  private readonly evicted = new Set<string>();
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

  /** Stores a file under a key (replacing one stored before). */
  put(key: string, file: MediaFile): void {
    this.drop(key);
    this.files.set(key, file);
    this.bytes += file.data.byteLength;
    this.evicted.delete(key);
    for (const oldKey of this.files.keys()) {
      if (this.bytes <= this.budgetBytes || oldKey === key) break;
      this.drop(oldKey);
      this.evicted.add(oldKey);
    }
  }

  /** A stored file, `'evicted'` when the budget pushed it out, undefined when never stored. */
  get(key: string): MediaFile | 'evicted' | undefined {
    return this.files.get(key) ?? (this.evicted.has(key) ? 'evicted' : undefined);
  }

  private drop(key: string): void {
    const old = this.files.get(key);
    if (!old) return;
    this.files.delete(key);
    this.bytes -= old.data.byteLength;
  }
}
