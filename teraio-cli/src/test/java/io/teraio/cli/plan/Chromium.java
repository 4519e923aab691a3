package io.teraio.cli.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A headless Chromium driven over the DevTools protocol (a WebSocket on the loopback
 * interface, JDK client, no other dependency): opens a page, evaluates script, moves the
 * mouse, takes screenshots, and collects console errors and uncaught exceptions. Used by the
 * report's browser test, and by it to make the README's screenshot.
 */
final class Chromium implements AutoCloseable {
    /** The flags every run uses (issue 9), plus a fresh profile directory and a DevTools port. */
    static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run");
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final ObjectMapper json = new ObjectMapper();
    private final Process process;
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final WebSocket socket;
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final List<JsonNode> loads = new CopyOnWriteArrayList<>();
    private String session;
    private boolean closed;

    /** The Chromium binary: {@code -Dteraio.chromium=PATH}, else {@code chromium} or {@code chromium-browser} on the PATH. */
    static Optional<Path> find() {
        String configured = System.getProperty("teraio.chromium");
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : List.of("chromium", "chromium-browser")) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** Starts {@code binary} with a fresh profile in {@code profileDir} and attaches to a blank page. */
    Chromium(Path binary, Path profileDir) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(FLAGS);
        command.add("--user-data-dir=" + profileDir.toAbsolutePath());
        command.add("--remote-debugging-port=0");
        command.add("--remote-debugging-address=127.0.0.1");
        command.add("about:blank");
        process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    stderr.add(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        url.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                url.completeExceptionally(e);
            }
            url.completeExceptionally(new IOException("chromium exited before DevTools listened: " + stderr));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            String ws = url.get(30, TimeUnit.SECONDS);
            socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create(ws), new Listener()).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IOException("chromium " + binary + " did not open DevTools: " + e + "; stderr: " + stderr, e);
        }
        String target = call(null, "Target.createTarget", Map.of("url", "about:blank")).get("targetId").asText();
        session = call(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true))
                .get("sessionId").asText();
        call("Runtime.enable", Map.of());
        call("Log.enable", Map.of());
        call("Page.enable", Map.of());
    }

    /** Sets the viewport, in CSS pixels. */
    void viewport(int width, int height) throws IOException {
        call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1,
                "mobile", false));
    }

    /** Opens {@code file} and waits for its load event. */
    void open(Path file) throws IOException, InterruptedException {
        int before = loads.size();
        call("Page.navigate", Map.of("url", file.toAbsolutePath().toUri().toString()));
        long deadline = System.nanoTime() + CALL_TIMEOUT.toNanos();
        while (loads.size() == before) {
            if (System.nanoTime() > deadline) {
                throw new IOException("chromium: " + file + " did not load in " + CALL_TIMEOUT.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }

    /** The value of a JavaScript expression (JSON-serializable), or what it threw. */
    JsonNode evaluate(String expression) throws IOException {
        JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (r.has("exceptionDetails")) {
            throw new IOException("chromium: " + expression + " threw " + r.get("exceptionDetails"));
        }
        return r.get("result").path("value");
    }

    /** Waits until {@code expression} is true, polling. */
    void await(String expression, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!evaluate(expression).asBoolean(false)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("chromium: " + expression + " not true after " + timeout.toMillis() + " ms");
            }
            Thread.sleep(20);
        }
    }

    /** Moves the mouse to ({@code x}, {@code y}), CSS pixels of the viewport. */
    void mouseMove(double x, double y) throws IOException {
        call("Input.dispatchMouseEvent", Map.of("type", "mouseMoved", "x", x, "y", y));
    }

    /** A PNG of the whole page (not just the viewport) at {@code width} CSS pixels. */
    byte[] screenshot(int width) throws IOException {
        JsonNode metrics = call("Page.getLayoutMetrics", Map.of());
        int height = (int) Math.ceil(metrics.get("cssContentSize").get("height").asDouble());
        viewport(width, height);
        JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png"));
        return Base64.getDecoder().decode(shot.get("data").asText());
    }

    /** Console errors, failed assertions, uncaught exceptions and error log entries, so far. */
    List<String> errors() {
        return List.copyOf(errors);
    }

    private JsonNode call(String method, Map<String, Object> params) throws IOException {
        return call(session, method, params);
    }

    private JsonNode call(String sessionId, String method, Map<String, Object> params) throws IOException {
        int id = nextId.getAndIncrement();
        ObjectNode message = json.createObjectNode();
        message.put("id", id);
        message.put("method", method);
        message.set("params", json.valueToTree(params));
        if (sessionId != null) {
            message.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            socket.sendText(json.writeValueAsString(message), true).get(10, TimeUnit.SECONDS);
            JsonNode r = reply.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (r.has("error")) {
                throw new IOException("chromium: " + method + " failed: " + r.get("error"));
            }
            return r.get("result");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("chromium: interrupted during " + method, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("chromium: " + method + " got no answer: " + e, e);
        } finally {
            pending.remove(id);
        }
    }

    private void onMessage(String text) {
        JsonNode m;
        try {
            m = json.readTree(text);
        } catch (IOException e) {
            errors.add("unreadable DevTools message: " + text);
            return;
        }
        if (m.has("id")) {
            CompletableFuture<JsonNode> f = pending.get(m.get("id").asInt());
            if (f != null) {
                f.complete(m);
            }
            return;
        }
        String method = m.path("method").asText();
        JsonNode p = m.path("params");
        switch (method) {
            case "Runtime.consoleAPICalled" -> {
                String type = p.path("type").asText();
                if (type.equals("error") || type.equals("assert")) {
                    errors.add("console." + type + ": " + p.path("args"));
                }
            }
            case "Runtime.exceptionThrown" -> errors.add("uncaught: " + p.path("exceptionDetails"));
            case "Log.entryAdded" -> {
                if (p.path("entry").path("level").asText().equals("error")) {
                    errors.add("log: " + p.path("entry"));
                }
            }
            case "Page.loadEventFired" -> loads.add(p);
            default -> {
            }
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                onMessage(text);
            }
            webSocket.request(1);
            return null;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            call(null, "Browser.close", Map.of());
        } catch (IOException e) {
            // it may already be gone; it is destroyed below either way
        }
        socket.abort();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
