package dev.runaway.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads wire fixtures from {@code src/test/resources/fixtures/}; each folder's README cites its source. */
public final class Fixtures {

  private Fixtures() {}

  /**
   * Returns a fixture's text.
   *
   * @param path the path under {@code fixtures/}, such as {@code mongodb/pending-discounted.json}
   * @return the text
   */
  public static String read(String path) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + path)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
