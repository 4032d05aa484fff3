/** The style-statistic API under test, plus the private linear algebra helpers. */
export * from "../../../src/shared/losses/mod.ts";
export {
  meanAndCovariance as meanAndCovarianceForTest,
  sqrtmNewtonSchulz,
} from "../../../src/shared/losses/_linalg.ts";
