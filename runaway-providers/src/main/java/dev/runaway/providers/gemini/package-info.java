/** Pricing of Google Gemini calls: {@link dev.runaway.providers.gemini.GeminiCosts}. */
package dev.runaway.providers.gemini;
