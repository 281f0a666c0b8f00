/** Internals of the LLM price tables and usage readers; not an API. */
package dev.runaway.providers.llm.internal;
