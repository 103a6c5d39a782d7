/**
 * The app's languages: English and Chinese, every string in `en.ts` and `zh.ts`, the choice kept in localStorage.
 */
import { en, type MessageKey, type Messages } from "./en.ts";
import { zh } from "./zh.ts";

export const LOCALES = ["en", "zh"] as const;
export type Locale = (typeof LOCALES)[number];

export const MESSAGES: Readonly<Record<Locale, Messages>> = { en, zh };

/** The localStorage key of the chosen language. */
export const LOCALE_STORAGE_KEY = "loanbook.locale";

/** The app's language on first visit: the browser's first preferred language the app has, English otherwise. */
export function defaultLocale(languages: readonly string[]): Locale {
  for (const language of languages) {
    const code = language.toLowerCase().split("-")[0];
    if (isLocale(code)) return code;
  }
  return "en";
}

export const isLocale = (value: unknown): value is Locale => LOCALES.includes(value as Locale);

/** A translator for `locale`. */
export const translator =
  (locale: Locale) =>
  (key: MessageKey): string =>
    MESSAGES[locale][key];

export type Translate = ReturnType<typeof translator>;
export type { MessageKey };
