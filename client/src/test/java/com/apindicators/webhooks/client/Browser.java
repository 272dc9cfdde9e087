package com.apindicators.webhooks.client;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Debian Chromium driven by Debian's chromedriver (set explicitly: Selenium Manager never runs, so
 * nothing is downloaded), with bounded waits on conditions and screenshots kept under target/.
 */
final class Browser implements AutoCloseable {
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  static final String CHROMIUM = "/usr/bin/chromium";
  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  final ChromeDriver driver;
  private final WebDriverWait wait;

  Browser() {
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless=new", "--no-sandbox",
        "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1366,1000", "--no-first-run", "--disable-extensions",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--metrics-recording-only",
        "--disable-default-apps", "--no-default-browser-check");
    driver = new ChromeDriver(service, options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(20));
  }

  static boolean installed() {
    return new File(CHROMEDRIVER).canExecute() && new File(CHROMIUM).canExecute();
  }

  void open(String url) {
    driver.get(url);
  }

  <T> T until(Function<WebDriver, T> condition) {
    return wait.until(condition);
  }

  WebElement visible(String css) {
    return wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
  }

  void textIn(String css, String text) {
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(css), text));
  }

  WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  /** The whole page (up to 2,400 pixels tall) as target/screenshots/NAME.png. */
  void screenshot(String name) throws IOException {
    Files.createDirectories(SCREENSHOTS);
    Dimension before = driver.manage().window().getSize();
    // The window's height includes the browser's own bars: add what the page needs beyond the viewport.
    long extra = ((Number) driver.executeScript(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight) - window.innerHeight;")).longValue();
    driver.manage().window().setSize(new Dimension(before.getWidth(),
        (int) Math.min(2400, before.getHeight() + Math.max(0, extra))));
    try {
      File shot = driver.getScreenshotAs(OutputType.FILE);
      Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } finally {
      driver.manage().window().setSize(before);
    }
  }

  @Override
  public void close() {
    driver.quit();
  }
}
