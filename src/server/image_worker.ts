/**
 * Worker side of image_pool.ts: runs processImage() on one upload and posts the result or the
 * rejection. sharp decodes synchronously on the calling thread under Deno (measured: a 6000x6000
 * 16-bit PNG held the event loop for ~2 s), so decoding lives here, off the request path.
 */
import { ApiError } from "./errors.ts";
import { processImage } from "./image.ts";
import type { ImageJob, ImageReply } from "./image_pool.ts";

const scope = self as unknown as {
  onmessage: (e: MessageEvent<ImageJob>) => void;
  postMessage(m: ImageReply, transfer?: Transferable[]): void;
};

scope.onmessage = async (e) => {
  try {
    const { image, thumb } = await processImage(e.data.bytes, e.data.limits);
    scope.postMessage({ ok: true, image, thumb }, [image.bytes.buffer, thumb.bytes.buffer]);
  } catch (err) {
    if (err instanceof ApiError) {
      scope.postMessage({ ok: false, status: err.status, code: err.code, message: err.message });
    } else {
      scope.postMessage({ ok: false, status: 500, code: "internal", message: String(err) });
    }
  }
};
