/** Implementation of the OpenAI detector and extractor; not a public API. */
package dev.runaway.providers.openai.internal;
