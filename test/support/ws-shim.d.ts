/** `ws` ships no types and @types/ws is not installed; the protocol tests only need it loosely. */
declare module "ws";
