// Splits a child's output stream into lines (a partial last line waits for the rest).

export class OutputLines {
  private pending = '';

  constructor(private readonly line: (text: string) => void) {}

  push(chunk: Buffer): void {
    const lines = (this.pending + chunk.toString('utf8')).split('\n');
    this.pending = lines.pop() ?? '';
    for (const l of lines) this.line(l.replace(/\r$/, ''));
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    if (this.pending !== '') this.line(this.pending);
    this.pending = '';
  }
}
