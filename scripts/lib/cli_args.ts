/**
 * A script's command-line flags with a clear answer to bad ones: `parse` is the script's own
 * node:util parseArgs() call. `--help` (or `-h`) prints the script's usage, the "Usage:" lines
 * of its header comment, and exits 0; a flag parseArgs refuses (an unknown option, a missing
 * value, a stray argument) prints one `error:` line and the usage and exits 2, instead of a
 * stack trace. Any other error passes through.
 */
export function cliArgs<R>(
  script: string | URL,
  parse: (args: string[]) => R,
  args: string[] = Deno.args,
): R {
  const usage = () => scriptUsage(script);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage());
    Deno.exit(0);
  }
  try {
    return parse(args);
  } catch (e) {
    if (!isParseError(e)) throw e;
    console.error(`error: ${(e as Error).message.split("\n")[0]}\n${usage()}`);
    Deno.exit(2);
  }
}

/** The "Usage:" block of the script at `script` (a module URL): its one statement of usage. */
export function scriptUsage(script: string | URL): string {
  return usageOf(Deno.readTextFileSync(new URL(script)));
}

/** parseArgs()'s own errors carry a code ERR_PARSE_ARGS_*. */
export function isParseError(e: unknown): boolean {
  return e instanceof TypeError &&
    String((e as { code?: unknown }).code ?? "").startsWith("ERR_PARSE_ARGS");
}

/**
 * The "Usage:" block of a script's header comment: the line that starts it and the lines
 * indented under it, without the comment's `*`.
 */
export function usageOf(source: string): string {
  const lines = source.split("\n");
  const start = lines.findIndex((l) => /^\s*\*\s+Usage:/.test(l));
  if (start < 0) return "";
  const out = [lines[start].replace(/^\s*\*\s+/, "")];
  for (const line of lines.slice(start + 1)) {
    const m = /^\s*\*(\s{2,}\S.*)$/.exec(line);
    if (!m) break;
    out.push(m[1].replace(/^ /, ""));
  }
  return out.join("\n");
}
