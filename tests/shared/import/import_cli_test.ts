/**
 * scripts/import_models.ts end to end: installs a fixture that then loads through loadNet,
 * leaves the output folder untouched when the input is bad, and with --all reports every
 * unreachable official source (here: a closed loopback port) and carries on.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setupTf, tf } from "../../_tf.ts";
import { loadNet } from "../../../src/shared/nets/loader.ts";
import { testImage } from "../../../src/shared/nets/import/mod.ts";
import { fixture, fixturePath } from "./_fixtures.ts";

const SCRIPT = new URL("../../../scripts/import_models.ts", import.meta.url);

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT.href, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout) + d.decode(r.stderr) };
}

/** Every file under `dir` with its bytes, to prove a failed run changed nothing. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) { for (const [k, v] of await snapshot(p)) out.set(k, v); }
    else out.set(p, Array.from(await Deno.readFile(p)).join(","));
  }
  return out;
}

Deno.test("import_models.ts installs a torchvision ResNet-50 that loadNet reads and runs", async () => {
  await setupTf();
  const out = await Deno.makeTempDir();
  try {
    const r = await cli(
      fixturePath("resnet50_torchvision.pth"),
      "--out",
      out,
      "--id",
      "tv-test",
      "--name",
      "TV test",
    );
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /tv-test: verified 18 layers/);
    const before = tf.memory().numTensors;
    const net = await loadNet(pathToFileURL(join(out, "tv-test", "manifest.json")));
    assert.equal(net.manifest.name, "TV test");
    assert.equal(net.manifest.variant, "torchvision-v1.5");
    assert.equal(net.manifest.dtype, "float16");
    const img = testImage(64);
    const f = net.forward(img, ["res3d"]);
    assert.deepEqual(f.res3d.shape, [1, 8, 8, 32]);
    assert.ok((await f.res3d.data()).every(Number.isFinite));
    tf.dispose([img, f.res3d]);
    net.dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(
      [...Deno.readDirSync(out)].map((e) => e.name),
      ["tv-test"],
      "no temp dirs left",
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("import_models.ts refuses a bad file and leaves the output folder unchanged", async () => {
  const out = await Deno.makeTempDir();
  try {
    assert.equal(
      (await cli(fixturePath("vgg19_keras_notop.h5"), "--out", out, "--id", "keep")).code,
      0,
    );
    const before = await snapshot(out);
    const bad = join(out, "..", `bad-${crypto.randomUUID()}.pth`);
    const bytes = await fixture("resnet50_torchvision.pth");
    await Deno.writeFile(bad, bytes.slice(0, bytes.length / 2));
    try {
      for (const id of ["keep", "new"]) {
        const r = await cli(bad, "--out", out, "--id", id);
        assert.equal(r.code, 1, r.out);
        assert.match(r.out, /FAILED: .*truncated or corrupt.*; nothing was installed/);
      }
    } finally {
      await Deno.remove(bad);
    }
    assert.deepEqual(await snapshot(out), before);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("import_models.ts --all reports each unreachable source with what to do, and exits 0", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // a closed loopback port: connections are refused at once
  const out = await Deno.makeTempDir();
  try {
    const r = await cli("--all", "--out", out, "--source-base", `http://127.0.0.1:${port}/`);
    assert.equal(r.code, 0, r.out);
    for (
      const id of [
        "vgg19",
        "vgg19-torch",
        "robust-resnet50-l2-3",
        "robust-resnet50-linf-4",
        "robust-resnet50-linf-8",
      ]
    ) {
      assert.match(
        r.out,
        new RegExp(
          `\\[import\\] ${id}: UNREACHABLE: http://127\\.0\\.0\\.1:${port}/\\S+ is unreachable`,
        ),
      );
      assert.match(
        r.out,
        new RegExp(`then run: deno task models:import <downloaded file> --id ${id}\\n`),
      );
    }
    assert.match(r.out, /https:\/\/download\.pytorch\.org\/models\/vgg19-dcbb9e9d\.pth/);
    assert.deepEqual([...Deno.readDirSync(out)], []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
