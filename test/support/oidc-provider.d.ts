/** `oidc-provider` ships no types; the tests use it through a narrow, untyped surface. */
declare module "oidc-provider";
