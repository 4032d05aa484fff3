export * from "./content.ts";
export * from "./objective.ts";
export * from "./style.ts";
export * from "./tv.ts";
