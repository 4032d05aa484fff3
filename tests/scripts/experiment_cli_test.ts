/** `deno task experiment --quick` end to end: results.json, images and the HTML report. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../_images.ts";

Deno.test("experiment --quick writes scored cells, images and a report", async () => {
  const out = await Deno.makeTempDir();
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "scripts/experiment.ts"), "--quick", "--out", out],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  const res = JSON.parse(await Deno.readTextFile(join(out, "results.json")));
  // Quick grid: darknet-tiny x {plain, swag} on one pair.
  assert.equal(res.cells.length, 2);
  for (const c of res.cells) {
    // The optimised network never judges itself.
    assert.deepEqual(Object.keys(c.score.style), ["mobilenet-v1"]);
    assert.ok(Number.isFinite(c.headline) && c.headline > 0);
    await Deno.stat(join(out, c.image));
  }
  const html = await Deno.readTextFile(join(out, "report.html"));
  assert.match(html, /darknet-tiny \/ plain \/ content/);
  assert.match(
    html,
    /<img src="images\/chelsea\+starry_night__darknet-tiny__swag__content__sw10000\.png"/,
  );
  await Deno.remove(out, { recursive: true });
});
