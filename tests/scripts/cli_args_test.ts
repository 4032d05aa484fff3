import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { isParseError, usageOf } from "../../scripts/lib/cli_args.ts";

Deno.test("usageOf() takes a header's Usage: line and the lines indented under it", () => {
  const source = [
    "/**",
    " * Does things.",
    " *",
    " * Usage: deno task thing [--a N]",
    " *                        [--b]",
    " *        deno task thing --all",
    " * --all also does the rest.",
    " */",
  ].join("\n");
  assert.equal(
    usageOf(source),
    [
      "Usage: deno task thing [--a N]",
      "                       [--b]",
      "       deno task thing --all",
    ]
      .join("\n"),
  );
  assert.equal(usageOf("/** No usage here. */"), "");
});

Deno.test("isParseError() tells parseArgs' refusals from other errors", () => {
  const refusal = (args: string[]) => {
    try {
      parseArgs({ args, options: { n: { type: "string" } } });
    } catch (e) {
      return e;
    }
  };
  assert.ok(isParseError(refusal(["--nope"])));
  assert.ok(isParseError(refusal(["--n"])), "a missing value");
  assert.ok(isParseError(refusal(["stray"])), "a stray argument");
  assert.equal(isParseError(new TypeError("something else")), false);
  assert.equal(isParseError(new RangeError("x")), false);
});

Deno.test("a script answers an unknown flag with one error line and its usage, and --help with the usage", async () => {
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "scripts/experiment_grid.ts", ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
  };
  const bad = await run("--bogus");
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^error: Unknown option '--bogus'[^\n]*\nUsage: deno task experiment:grid/,
  );
  assert.doesNotMatch(bad.stderr, /\n\s+at /, "no stack trace");
  const help = await run("--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: deno task experiment:grid/);
});

Deno.test("every script that parses flags answers bad ones through cliArgs() and has a usage", async () => {
  const scripts: string[] = [];
  for await (const e of Deno.readDir("scripts")) {
    if (!e.isFile || !e.name.endsWith(".ts")) continue;
    const source = await Deno.readTextFile(`scripts/${e.name}`);
    if (!/\bparseArgs\(/.test(source)) continue;
    scripts.push(e.name);
    assert.match(source, /\bcliArgs\(import\.meta\.url,/, `${e.name} parses without cliArgs()`);
    assert.match(usageOf(source), /^Usage: /, `${e.name} has no Usage: block in its header`);
  }
  // The CLI's own flags (scripts/lib/stylize_flags.ts) have their own parser and help.
  assert.ok(scripts.length >= 10, `found ${scripts.length} scripts`);
});
