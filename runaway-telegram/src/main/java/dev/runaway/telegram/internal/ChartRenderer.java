package dev.runaway.telegram.internal;

import dev.runaway.telegram.RateChart;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Draws a {@link RateChart} as a small PNG (burn rate red, baseline blue, threshold orange dashed)
 * into a {@link BufferedImage}: no display is needed (run with {@code -Djava.awt.headless=true}
 * on servers). Labels need the JDK's font support; without fonts the chart is drawn unlabelled.
 */
public final class ChartRenderer {

  /** Width of the picture in pixels. */
  public static final int WIDTH = 800;
  /** Height of the picture in pixels. */
  public static final int HEIGHT = 400;

  static final Color RATE = new Color(0xC6, 0x28, 0x28);
  static final Color BASELINE = new Color(0x15, 0x65, 0xC0);
  static final Color THRESHOLD = new Color(0xEF, 0x6C, 0x00);

  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int BOTTOM = 40;

  private ChartRenderer() {}

  /**
   * Renders the chart.
   *
   * @param chart the figures, at least two points
   * @param zone the zone of the time labels
   * @return the PNG bytes
   * @throws IllegalArgumentException with fewer than two points
   */
  public static byte[] png(RateChart chart, ZoneId zone) {
    List<RateChart.Point> pts = chart.points();
    if (pts.size() < 2) {
      throw new IllegalArgumentException("a chart needs at least two points, got " + pts.size());
    }
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      double max = 0;
      for (RateChart.Point p : pts) {
        max = Math.max(max, finite(p.costPerHour()));
        max = Math.max(max, finite(p.baselineCostPerHour() * chart.thresholdMultiplier()));
      }
      max = max <= 0 ? 1 : max * 1.1;
      long t0 = pts.get(0).time().toEpochMilli();
      long t1 = Math.max(t0 + 1, pts.get(pts.size() - 1).time().toEpochMilli());
      g.setColor(new Color(0xC9, 0xCE, 0xD8));
      g.drawLine(LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM);
      g.drawLine(LEFT, TOP, LEFT, HEIGHT - BOTTOM);
      double threshold = chart.thresholdMultiplier();
      draw(g, pts, t0, t1, max, p -> p.baselineCostPerHour() * threshold, THRESHOLD,
          new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {10f, 6f}, 0f));
      draw(g, pts, t0, t1, max, RateChart.Point::baselineCostPerHour, BASELINE, new BasicStroke(3f));
      draw(g, pts, t0, t1, max, RateChart.Point::costPerHour, RATE, new BasicStroke(3.5f));
      labels(g, chart, max, zone);
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(32 * 1024);
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void labels(Graphics2D g, RateChart chart, double max, ZoneId zone) {
    try {
      DateTimeFormatter hm = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT).withZone(zone);
      List<RateChart.Point> pts = chart.points();
      g.setColor(new Color(0x1D, 0x23, 0x30));
      g.setFont(g.getFont().deriveFont(16f));
      g.drawString(chart.service() + ": burn rate vs baseline", LEFT, 26);
      g.setFont(g.getFont().deriveFont(12f));
      g.drawString(usd(max) + "/h", 6, TOP + 4);
      g.drawString("$0/h", 6, HEIGHT - BOTTOM);
      g.drawString(hm.format(pts.get(0).time()), LEFT, HEIGHT - 14);
      g.drawString(hm.format(pts.get(pts.size() - 1).time()) + " " + zone.getId(), WIDTH - RIGHT - 110, HEIGHT - 14);
      g.setColor(RATE);
      g.drawString("rate", WIDTH - 300, 26);
      g.setColor(BASELINE);
      g.drawString("baseline", WIDTH - 250, 26);
      g.setColor(THRESHOLD);
      g.drawString(fmt(chart.thresholdMultiplier()) + "x baseline", WIDTH - 170, 26);
    } catch (RuntimeException | Error e) {
      // No usable font on this host (a minimal container): the lines alone still tell the story.
      if (e instanceof VirtualMachineError) {
        throw (VirtualMachineError) e;
      }
    }
  }

  private interface Series {
    double value(RateChart.Point p);
  }

  private static void draw(Graphics2D g, List<RateChart.Point> pts, long t0, long t1, double max, Series s,
      Color colour, BasicStroke stroke) {
    Path2D.Double path = new Path2D.Double();
    boolean open = false;
    for (RateChart.Point p : pts) {
      double v = s.value(p);
      if (!Double.isFinite(v)) {
        open = false;
        continue;
      }
      double x = LEFT + (WIDTH - LEFT - RIGHT) * (double) (p.time().toEpochMilli() - t0) / (t1 - t0);
      double y = TOP + (HEIGHT - TOP - BOTTOM) * (1 - Math.min(v, max) / max);
      if (open) {
        path.lineTo(x, y);
      } else {
        path.moveTo(x, y);
        open = true;
      }
    }
    g.setColor(colour);
    g.setStroke(stroke);
    g.draw(path);
  }

  private static double finite(double v) {
    return Double.isFinite(v) ? v : 0;
  }

  private static String usd(double v) {
    return v >= 1 ? String.format(Locale.ROOT, "$%.2f", v) : String.format(Locale.ROOT, "$%.4f", v);
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }
}
