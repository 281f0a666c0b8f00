/** Example: a Spring AI tool loop stopped by the guard. */
package dev.runaway.examples.springai;
