package io.impipeline.launcher.console;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium driven through Debian's chromedriver (packages {@code chromium} and
 * {@code chromium-driver}, installed by {@code .ci/run}). Both paths are given, so Selenium Manager never looks for
 * (or downloads) a browser or a driver. Screenshots are written only when {@code -Dconsole.screenshots=<dir>} is set.
 */
public final class ConsoleBrowser implements AutoCloseable {

    public static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");
    public static final String CHROMIUM = "/usr/bin/chromium";
    public static final String SCREENSHOTS_PROPERTY = "console.screenshots";
    static final int WIDTH = 1280;
    static final int HEIGHT = 1000;
    static final int MAX_SHOT_HEIGHT = 2400;

    private final ChromeDriverService service;
    private final ChromeDriver driver;

    private ConsoleBrowser(ChromeDriverService service, ChromeDriver driver) {
        this.service = service;
        this.driver = driver;
    }

    /** Whether the driver is installed; without it the browser tests are skipped. */
    public static boolean available() {
        return CHROMEDRIVER.canExecute();
    }

    public static ConsoleBrowser start() {
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER)
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=" + WIDTH + "," + HEIGHT,
                "--no-first-run", "--disable-extensions", "--lang=en-US");
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
        return new ConsoleBrowser(service, driver);
    }

    public WebDriver driver() {
        return driver;
    }

    /**
     * Saves the whole page (the window made as tall as the page, up to {@value #MAX_SHOT_HEIGHT} pixels) as
     * {@code <console.screenshots>/<name>.png}, when that property is set.
     */
    public void screenshot(String name) {
        String directory = System.getProperty(SCREENSHOTS_PROPERTY);
        if (directory == null || directory.isBlank()) {
            return;
        }
        Dimension size = driver.manage().window().getSize();
        try {
            Path target = Path.of(directory).toAbsolutePath().resolve(name + ".png");
            Files.createDirectories(target.getParent());
            // The window is taller than what it shows by its (invisible, headless) frame.
            long page = (Long) driver.executeScript("return document.documentElement.scrollHeight"
                    + " + window.outerHeight - window.innerHeight");
            driver.manage().window().setSize(new Dimension(WIDTH, (int) Math.min(MAX_SHOT_HEIGHT,
                    Math.max(HEIGHT, page))));
            File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(png.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("screenshot " + name, e);
        } finally {
            driver.manage().window().setSize(size);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
        }
    }
}
