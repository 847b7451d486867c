/**
 * Builds the encryption codec from the settings: custom handlers (`encryption.path`) when set,
 * else AES when `LANGGRAPH_AES_KEY` is set, else none. See docs/encryption.md.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { splitModuleSpec } from "../auth/load.ts";
import { AesCipher } from "./aes.ts";
import { aesCodec, type EncryptionCodec } from "./codec.ts";
import { checkHandlers, customCodec } from "./custom.ts";

/** Encryption settings, resolved by the config loader. */
export interface EncryptionSettings {
  aesKey: string | null;
  fallbackKeys: string[];
  jsonKeys: string[];
  /** `"./file.ts:export"` of custom handlers, or null. */
  modulePath: string | null;
}

/** The codec and what it is. */
export interface Encryption {
  mode: "aes" | "custom";
  codec: EncryptionCodec;
}

/** Loads the configured encryption; null when none is configured. Throws on bad keys or modules. */
export async function createEncryption(
  s: EncryptionSettings,
  cwd: string,
): Promise<Encryption | null> {
  if (s.modulePath) {
    const { file, exportName } = splitModuleSpec(s.modulePath);
    const full = path.resolve(cwd, file);
    const mod = (await import(pathToFileURL(full).href)) as Record<string, unknown>;
    const handlers = checkHandlers(await mod[exportName], `encryption.path (${s.modulePath})`);
    return { mode: "custom", codec: customCodec(handlers) };
  }
  if (!s.aesKey) return null;
  const aes = new AesCipher(s.aesKey, s.fallbackKeys);
  return { mode: "aes", codec: aesCodec(aes, new Set(s.jsonKeys)) };
}
