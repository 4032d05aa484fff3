export * from "./manifest.ts";
export * from "./net.ts";
export * from "./loader.ts";
export * from "./sha256.ts";
export * from "./flops.ts";
