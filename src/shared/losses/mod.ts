export * from "./content.ts";
export * from "./objective.ts";
export * from "./style.ts";
export * from "./tv.ts";
export * from "./statistic.ts";
export * from "./meancov.ts";
export * from "./sliced.ts";
