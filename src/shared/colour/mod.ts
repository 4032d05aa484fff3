/** Colour control: luminance/chroma spaces, colour-statistics matching, run-loop hooks. */
export * from "./control.ts";
export * from "./match.ts";
export * from "./spaces.ts";
