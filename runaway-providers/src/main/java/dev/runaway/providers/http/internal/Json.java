package dev.runaway.providers.http.internal;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ValueNode;
import java.math.BigDecimal;

/**
 * The shared Jackson mapper: lenient about unknown fields, never quotes the source in errors,
 * reads decimals exactly, and bounds their exponents as they are read (see {@link #bounded}).
 */
public final class Json {

  /**
   * The largest decimal exponent accepted in a response: {@code 1e30} tokens, requests or
   * dollars is far beyond any real bill, while every usage figure a service sends fits.
   */
  public static final int MAX_EXPONENT = 30;

  /** The mapper; thread-safe once configured. */
  public static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .nodeFactory(new BoundedNodeFactory())
      .build();

  private Json() {}

  /**
   * Returns a decimal whose exponent is bounded, before any arithmetic is done with it: a
   * magnitude below {@code 1e-30} becomes zero and one above {@code 1e30} is refused. Without
   * this, adding {@code 1e-500000000} to a sum or rounding it to nano-dollars computes a
   * 500-million-digit power of ten, which kept poll threads at full CPU past their timeout.
   *
   * @param d the number
   * @return the number, or zero for a negligible one
   * @throws NumberOutOfRangeException if the magnitude is above {@code 1e30}
   */
  public static BigDecimal bounded(BigDecimal d) {
    if (d.signum() == 0) {
      return d.scale() == 0 ? d : BigDecimal.ZERO;
    }
    long exponent = (long) d.precision() - d.scale() - 1;
    if (exponent < -MAX_EXPONENT) {
      return BigDecimal.ZERO;
    }
    if (exponent > MAX_EXPONENT) {
      throw new NumberOutOfRangeException("a number of about 1e" + exponent + ", beyond the 1e" + MAX_EXPONENT
          + " accepted");
    }
    return d;
  }

  /**
   * Parses a number written as text, bounded as {@link #bounded} does.
   *
   * @param text the text, such as {@code "12.5"}
   * @return the number
   * @throws NumberFormatException if the text is not a number
   * @throws NumberOutOfRangeException if the magnitude is above {@code 1e30}
   */
  public static BigDecimal parseBounded(String text) {
    return bounded(new BigDecimal(text.trim()));
  }

  /**
   * Reads a number that an API sends as a JSON number or as numeric text (billing APIs do both).
   *
   * @param v the node
   * @return the value, or empty if the node is neither, or text that is not a number or is above
   *     {@code 1e30}
   */
  public static java.util.Optional<BigDecimal> decimal(com.fasterxml.jackson.databind.JsonNode v) {
    if (v.isNumber()) {
      return java.util.Optional.of(v.decimalValue());
    }
    if (v.isTextual()) {
      try {
        return java.util.Optional.of(parseBounded(v.asText()));
      } catch (IllegalArgumentException e) { // not a number, or beyond 1e30: the caller reports it
        return java.util.Optional.empty();
      }
    }
    return java.util.Optional.empty();
  }

  /** A number beyond the range a usage figure can take; the message never quotes the document. */
  public static final class NumberOutOfRangeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    NumberOutOfRangeException(String message) {
      super(message);
    }
  }

  /** Bounds every decimal of a parsed tree as it is created. */
  private static final class BoundedNodeFactory extends JsonNodeFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public ValueNode numberNode(BigDecimal v) {
      return super.numberNode(v == null ? null : bounded(v));
    }
  }
}
