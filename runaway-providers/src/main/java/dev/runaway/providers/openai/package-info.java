/**
 * OpenAI: the account-wide detector on the organization Usage and Costs APIs
 * ({@link dev.runaway.providers.openai.OpenAiDetectorProvider}, type {@code openai}), the bundled
 * price table ({@link dev.runaway.providers.openai.OpenAiPrices}) and the guard's cost extractor
 * for responses of the official SDK and raw JSON bodies ({@link dev.runaway.providers.openai.OpenAiCosts}).
 */
package dev.runaway.providers.openai;
