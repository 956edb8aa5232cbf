import { ValidateBy, type ValidationOptions } from 'class-validator';
import { z } from 'zod';

/** Control characters and the invisible direction marks and overrides that can make a name read as another. */
const NOT_DISPLAYABLE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

export const STORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired surrogates';
export const DISPLAY_TEXT_MESSAGE = 'must not contain control characters, direction overrides, NUL or unpaired surrogates';

/**
 * SECURITY 36: text the database can store as given (validated before Postgres sees it): no NUL and
 * no UTF-16 surrogate without its pair (isWellFormed), which neither Postgres text nor jsonb can hold.
 */
export function isStorableText(value: string): boolean {
  return value.isWellFormed() && !value.includes('\u0000');
}

/** Storable, single-line text that shows as what it is (names on the consent page, identifiers). */
export function isDisplayText(value: string): boolean {
  return isStorableText(value) && !NOT_DISPLAYABLE.test(value);
}

/** class-validator: single-line display text (see isDisplayText). */
export function IsDisplayText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDisplayText',
      validator: { validate: (v: unknown) => typeof v !== 'string' || isDisplayText(v), defaultMessage: () => `$property ${DISPLAY_TEXT_MESSAGE}` },
    },
    options,
  );
}

/** zod: a string the database can store; for tool inputs (`storableString().max(200)`). */
export function storableString(): z.ZodString {
  return z.string().refine(isStorableText, STORABLE_TEXT_MESSAGE);
}
