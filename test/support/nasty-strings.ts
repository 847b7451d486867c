/** Test data: strings that PostgreSQL text/jsonb cannot hold as is, and their neighbours. */
import { ESC } from "../../src/storage/text-escape.ts";

/** Strings PostgreSQL cannot hold as is, their neighbours, and look-alikes of the escape. */
export const NASTY = [
  "a\u0000b",
  "\u0000",
  "\u0000\u0000x\u0000",
  "\ud800",
  "x\udc00y",
  "\ud83d",
  "\ude00\ud83d",
  "😀 paired \ud83d\ude00",
  "\udbff\udfff",
  ESC,
  `${ESC}0000`,
  `${ESC}${ESC}FDD0`,
  "\\u0000",
  '{"a":"\\u0000"}',
  "\u0001\u001f\u007f",
  "\uFFFD\uFFFE\uFFFF",
  "",
  "plain",
];
