/** One line per check: `ok`, `FAIL` (counted, fails the run), `warn` (counted, does not fail) or `skip`. */
export class Report {
  failures = 0;
  warnings = 0;
  readonly lines: string[] = [];

  constructor(private readonly print: (line: string) => void = (line) => console.log(line)) {}

  line(text: string): void {
    this.lines.push(text);
    this.print(text);
  }

  section(title: string): void {
    this.line(`== ${title}`);
  }

  ok(msg: string): void {
    this.line(`  ok    ${msg}`);
  }

  bad(msg: string): void {
    this.failures++;
    this.line(`  FAIL  ${msg}`);
  }

  warn(msg: string): void {
    this.warnings++;
    this.line(`  warn  ${msg}`);
  }

  skip(msg: string): void {
    this.line(`  skip  ${msg}`);
  }

  /** ok when `cond` is truthy, otherwise FAIL with the optional detail. */
  check(cond: unknown, msg: string, detail = ''): void {
    if (cond) this.ok(msg);
    else this.bad(detail ? `${msg} — ${detail}` : msg);
  }

  summary(): string {
    return `lint-deploy: ${this.failures === 0 ? 'OK' : 'FAILED'} (${this.failures} failed, ${this.warnings} warning${this.warnings === 1 ? '' : 's'})`;
  }
}
