package io.impipeline.platform.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springdoc.core.utils.Constants;
import org.springdoc.webmvc.ui.SwaggerIndexTransformer;
import org.springframework.core.io.Resource;
import org.springframework.web.servlet.resource.ResourceTransformerChain;
import org.springframework.web.servlet.resource.TransformedResource;

/**
 * Makes the Swagger UI usable behind the service token. A browser cannot add a header to the page it opens, so the
 * UI's static files are open paths ({@link SecurityProperties}); the description ({@code /v3/api-docs/**}) and every
 * API call are not. This adds to the page's {@code swagger-initializer.js} (after springdoc's own changes) a request
 * interceptor that asks for the token once per browser tab (kept in the tab's {@code sessionStorage}, forgotten on a
 * 401) and sends it in the token header with every request the page makes to its own app: the UI configuration,
 * the description and "Try it out". The token is never in the page: it is open, so anyone may load it.
 */
public final class ServiceTokenSwaggerIndexTransformer implements SwaggerIndexTransformer {

    /** Where the page keeps the token: the tab's sessionStorage, under this key. */
    static final String STORAGE_KEY = "im-pipeline.service-token";

    private static final Logger log = LoggerFactory.getLogger(ServiceTokenSwaggerIndexTransformer.class);
    private static final String INITIALIZER = "swagger-initializer.js";
    private static final String MARKER = "SwaggerUIBundle({";

    private final SwaggerIndexTransformer delegate;
    private final String script;

    public ServiceTokenSwaggerIndexTransformer(SwaggerIndexTransformer delegate, String tokenHeader) {
        this.delegate = delegate;
        this.script = script(tokenHeader);
    }

    @Override
    public Resource transform(HttpServletRequest request, Resource resource, ResourceTransformerChain chain)
            throws IOException {
        Resource transformed = delegate.transform(request, resource, chain);
        if (!INITIALIZER.equals(resource.getFilename())) {
            return transformed;
        }
        // Swagger UI's example (petstore.swagger.io) would be fetched if the UI configuration could not be: the
        // page fetches nothing from another origin (springdoc.swagger-ui.disable-swagger-default-url, always).
        String js = transformed.getContentAsString(StandardCharsets.UTF_8)
                .replace(Constants.SWAGGER_UI_DEFAULT_URL, "");
        int at = js.indexOf(MARKER);
        if (at < 0) {
            log.warn("{} has no '{}': the Swagger UI will not send the service token", INITIALIZER, MARKER);
            return new TransformedResource(resource, js.getBytes(StandardCharsets.UTF_8));
        }
        int end = at + MARKER.length();
        String withToken = js.substring(0, end) + script + js.substring(end);
        return new TransformedResource(resource, withToken.getBytes(StandardCharsets.UTF_8));
    }

    /** The options added to SwaggerUIBundle({...}). */
    static String script(String tokenHeader) {
        String header = jsString(tokenHeader);
        String key = jsString(STORAGE_KEY);
        String scheme = jsString(OpenApiConfiguration.SECURITY_SCHEME);
        return """

                    // im-pipeline (docs/api.md): the page asks for the service token once per tab and sends it with
                    // every request to this app; the page is open, the description and the API are not.
                    requestInterceptor: (request) => {
                      request.headers = request.headers || {};
                      if (new URL(request.url, document.baseURI).origin !== window.location.origin) return request;
                      if (request.headers[%1$s]) return request;
                      let token = window.sessionStorage.getItem(%2$s);
                      if (!token) {
                        token = (window.prompt("Service token of this app (sent as header " + %1$s + ")") || "").trim();
                        if (token) window.sessionStorage.setItem(%2$s, token);
                      }
                      if (token) request.headers[%1$s] = token;
                      return request;
                    },
                    responseInterceptor: (response) => {
                      if (response.status === 401) window.sessionStorage.removeItem(%2$s);
                      return response;
                    },
                    onComplete: () => {
                      const token = window.sessionStorage.getItem(%2$s);
                      if (token && window.ui) window.ui.preauthorizeApiKey(%3$s, token);
                    },
                """.formatted(header, key, scheme);
    }

    private static String jsString(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == '<' || c == '>' || c > 0x7e) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
