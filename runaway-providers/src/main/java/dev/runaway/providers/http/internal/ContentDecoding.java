package dev.runaway.providers.http.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Undoes a response's {@code Content-Encoding}: the JDK client sends whatever
 * {@code Accept-Encoding} a request names but never decompresses, so a provider that asks for
 * gzip (Vercel's JSON Lines stream) gets it decoded here.
 */
public final class ContentDecoding {

  /** The largest decoded body accepted, so a hostile or broken stream cannot fill the heap. */
  public static final int MAX_DECODED_BYTES = 32 * 1024 * 1024;

  private ContentDecoding() {}

  /**
   * Returns the body with its {@code gzip} (or {@code x-gzip}) content coding removed; other
   * bodies are returned as they are.
   *
   * @param body the body as received
   * @param headers the response headers
   * @return the decoded body
   * @throws IOException if the body is not valid gzip, is cut short, or decodes to more than
   *     {@link #MAX_DECODED_BYTES}
   */
  public static byte[] decode(byte[] body, HttpHeaders headers) throws IOException {
    return decode(body, headers, MAX_DECODED_BYTES);
  }

  /**
   * Returns the body with its {@code gzip} (or {@code x-gzip}) content coding removed, refusing
   * to decode more than {@code maxDecoded} bytes.
   *
   * @param body the body as received
   * @param headers the response headers
   * @param maxDecoded the most decoded bytes accepted
   * @return the decoded body
   * @throws IOException if the body is not valid gzip, is cut short, or decodes to more than
   *     {@code maxDecoded} bytes
   */
  public static byte[] decode(byte[] body, HttpHeaders headers, int maxDecoded) throws IOException {
    String coding = headers.firstValue("Content-Encoding").orElse("").trim().toLowerCase(Locale.ROOT);
    if (body.length == 0 || !(coding.equals("gzip") || coding.equals("x-gzip"))) {
      return body;
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(maxDecoded, body.length * 4L));
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) != -1) {
        if (out.size() + (long) n > maxDecoded) {
          throw new IOException("the gzip body decodes to more than " + maxDecoded + " bytes");
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    }
  }
}
