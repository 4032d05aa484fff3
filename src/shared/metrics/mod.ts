export * from "./artifacts.ts";
export * from "./colour.ts";
export * from "./judge.ts";
export * from "./score.ts";
