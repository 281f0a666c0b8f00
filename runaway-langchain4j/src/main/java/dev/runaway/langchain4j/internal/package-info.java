/** Internals of the LangChain4j integration; not API. */
package dev.runaway.langchain4j.internal;
