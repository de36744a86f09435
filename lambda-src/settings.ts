/**
 * How the deployed function is configured: the environment variable that carries the
 * greeting word, and the word when it is unset. The infrastructure code (src/) sets the
 * variable by this name, imported from here, so the name is written once.
 */
export const GREETING_VARIABLE = 'GREETING';
export const DEFAULT_GREETING = 'Hello';
