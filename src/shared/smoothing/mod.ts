/** Activation smoothing applied to feature maps before the style and content losses. */
export * from "./swag.ts";
