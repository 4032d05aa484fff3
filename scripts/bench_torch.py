"""The Gatys objective of `deno task bench --vs-torch`, in PyTorch on the CPU (or a CUDA GPU).

One evaluation: ResNet-50 forward to the four stage outputs (torchvision's layer1..layer4, which
are Keras's res2c, res3d, res4f and res5c), content loss at layer2, Gram style losses at all four,
then the gradient with respect to the image only (weights frozen, as in Atelier). Weights are
random: timing does not depend on them. torchvision's ResNet-50 is v1.5 (stride 2 on the 3x3
conv, not the 1x1), about 5% more FLOPs than the Keras model Atelier runs.

Prints one JSON line: median ms per evaluation, threads, torch version. With --device cuda the
net and images live on the GPU, each timer stops after torch.cuda.synchronize() (a time is the
evaluation's whole GPU work), and the line adds the GPU's name, every time, the TF32 settings
and the peak memory allocated.
Usage: python3 scripts/bench_torch.py --height 170 --width 256 [--reps 7] [--threads N]
                                      [--device cpu|cuda]
"""
import argparse
import json
import os
import time

import torch
import torchvision


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--height", type=int, default=170)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    device = torch.device(a.device)
    cuda = device.type == "cuda"

    def sync():
        if cuda:
            torch.cuda.synchronize(device)

    net = torchvision.models.resnet50().eval().to(device)
    for w in net.parameters():
        w.requires_grad_(False)

    def features(x):
        x = net.maxpool(net.relu(net.bn1(net.conv1(x))))
        out = []
        for layer in (net.layer1, net.layer2, net.layer3, net.layer4):
            x = layer(x)
            out.append(x)
        return out

    def gram(f):
        # Same normalisation as Atelier's gram(): F^T F / (h w c).
        _, c, h, w = f.shape
        m = f.reshape(c, h * w)
        return m @ m.t() / (h * w * c)

    shape = (1, 3, a.height, a.width)
    with torch.no_grad():
        content = features(torch.rand(shape).to(device))[1]
        grams = [gram(f) for f in features(torch.rand(shape).to(device))]
    image = torch.rand(shape).to(device)
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)

    def evaluate():
        x = image.clone().requires_grad_(True)
        fs = features(x)
        loss = torch.mean((fs[1] - content) ** 2)
        loss = loss + 1e4 * sum(torch.mean((gram(f) - g) ** 2) for f, g in zip(fs, grams)) / 4
        (g,) = torch.autograd.grad(loss, x)
        return g

    evaluate()
    sync()
    times = []
    for _ in range(a.reps):
        t = time.perf_counter()
        evaluate()
        sync()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    result = {
        "ms": times[len(times) // 2],
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "shape": list(shape),
    }
    if cuda:

        def setting(read):
            # Newer PyTorch versions deprecate these flags: a missing one is recorded as None.
            try:
                return read()
            except (AttributeError, RuntimeError):
                return None

        result.update({
            "device": torch.cuda.get_device_name(device),
            "times": times,
            # TF32 convolutions (PyTorch's default for cuDNN) round inputs to 10-bit mantissas.
            "cudnn_tf32": setting(lambda: torch.backends.cudnn.allow_tf32),
            "matmul_tf32": setting(lambda: torch.backends.cuda.matmul.allow_tf32),
            # Most memory allocated during the evaluations (net, targets and image included).
            "peak_bytes": torch.cuda.max_memory_allocated(device),
        })
    print(json.dumps(result))


if __name__ == "__main__":
    main()
