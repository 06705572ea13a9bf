/**
 * The output side of the formatter: lines indented with tabs (as `opa fmt`), and the source
 * comments put back where they were. A comment on its own line is written before the first
 * construct that starts below it (a blank line kept where the source had one); a comment after
 * code stays at the end of the output line that holds that code.
 */
export interface SourceComment {
  /** text after `#` */
  readonly text: string;
  readonly line: number;
  readonly col: number;
  /** code precedes it on its line */
  readonly trailing: boolean;
}

export class FormatWriter {
  private readonly lines: string[] = [];
  private cur = '';
  private indentLevel = 0;
  /** the last source line written on the current output line */
  private sourceLine = 0;
  private next = 0;
  /** source line of the last thing written, for blank-line decisions between comments and code */
  private lastWritten = 0;

  constructor(private readonly comments: readonly SourceComment[]) {}

  /** output lines so far */
  get length(): number {
    return this.lines.length;
  }

  get indent(): number {
    return this.indentLevel;
  }

  up(): void {
    this.indentLevel++;
  }

  down(): void {
    this.indentLevel--;
  }

  write(s: string): void {
    if (this.cur === '') this.cur = '\t'.repeat(this.indentLevel);
    this.cur += s;
  }

  /** Records that the text being written comes from `line` (trailing comments follow it). */
  at(line: number): void {
    if (line > this.sourceLine) this.sourceLine = line;
    if (line > this.lastWritten) this.lastWritten = line;
  }

  /** Ends the current line, with the trailing comments of the source lines it holds. */
  endLine(): void {
    if (this.cur === '') return;
    while (this.next < this.comments.length) {
      const c = this.comments[this.next]!;
      if (!c.trailing || c.line > this.sourceLine) break;
      this.cur += ` #${c.text}`;
      this.next++;
    }
    this.lines.push(this.cur.replace(/[ \t]+$/, ''));
    this.cur = '';
  }

  blankLine(): void {
    this.endLine();
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== '') this.lines.push('');
  }

  /**
   * Writes the own-line comments above source line `line` (and trailing ones whose code is
   * gone), each on its own line at the current indentation. `onlyIndented`: only comments
   * indented in the source (those inside the block being closed). Returns how many it wrote.
   */
  flushComments(line: number, onlyIndented = false, keepTrailing = false): number {
    let prev = 0;
    let n = 0;
    while (this.next < this.comments.length) {
      const c = this.comments[this.next]!;
      if (c.line >= line || (onlyIndented && c.col <= 1 && !c.trailing)) break;
      if (keepTrailing && c.trailing) break; // it follows the closing bracket, on its line
      if (c.trailing && c.line <= this.sourceLine && this.cur !== '') break; // stays on the current line
      this.endLine();
      if (prev > 0 ? c.line > prev + 1 : this.lastWritten > 0 && c.line > this.lastWritten + 1) this.blankLine();
      this.write(`#${c.text}`);
      this.lines.push(this.cur.replace(/[ \t]+$/, ''));
      this.cur = '';
      prev = c.line;
      this.next++;
      n++;
    }
    // (closing a block, the next thing is its `}`: no blank line before it)
    if (prev > 0 && line > prev + 1 && !onlyIndented) this.blankLine();
    if (prev > 0) this.lastWritten = prev;
    return n;
  }

  /** The line of the next comment when it is a trailing one before `line` (after a closing bracket). */
  trailingBefore(line: number): number | undefined {
    const c = this.comments[this.next];
    return c !== undefined && c.trailing && c.line < line ? c.line : undefined;
  }

  /** Comments not yet written that stand above `line`. */
  hasCommentsBefore(line: number): boolean {
    const c = this.comments[this.next];
    return c !== undefined && c.line < line;
  }

  /** The text, every remaining comment at the end, and one final newline. */
  finish(): string {
    this.endLine();
    this.flushComments(Number.MAX_SAFE_INTEGER);
    while (this.lines.length > 0 && this.lines[this.lines.length - 1] === '') this.lines.pop();
    return this.lines.join('\n') + '\n';
  }
}
