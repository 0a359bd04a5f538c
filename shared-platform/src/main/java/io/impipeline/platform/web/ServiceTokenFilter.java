package io.impipeline.platform.web;

import java.security.Principal;

import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import io.impipeline.model.codec.WireJson;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.util.AntPathMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers 401 to every request but the open paths unless it carries the service token. On an open path (health)
 * a request with the right token is served as an authenticated one, so that actuator's
 * {@code show-details: when-authorized} gives it the details (database, broker, streams) and hides them from an
 * anonymous probe.
 */
public final class ServiceTokenFilter extends OncePerRequestFilter {

    private static final String BEARER = "Bearer ";

    private final SecurityProperties properties;
    private final AntPathMatcher matcher = new AntPathMatcher();

    public ServiceTokenFilter(SecurityProperties properties) {
        this.properties = properties;
    }

    /** The principal of a request that presented the service token. */
    static final Principal SERVICE = () -> "im-service-token";

    private boolean isOpen(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return properties.allOpenPaths().anyMatch(p -> matcher.match(p, path));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (isOpen(request)) {
            chain.doFilter(hasValidToken(request) ? authenticated(request) : request, response);
            return;
        }
        if (properties.serviceToken().isEmpty()) {
            reject(response, "no service token is configured on this server (im.security.service-token)");
            return;
        }
        String presented = presentedToken(request);
        if (presented == null) {
            reject(response, "missing service token (header " + properties.tokenHeader() + ")");
            return;
        }
        // Constant-time comparison: do not leak the token through timing.
        if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                properties.serviceToken().getBytes(StandardCharsets.UTF_8))) {
            reject(response, "invalid service token");
            return;
        }
        chain.doFilter(authenticated(request), response);
    }

    private boolean hasValidToken(HttpServletRequest request) {
        String presented = presentedToken(request);
        return !properties.serviceToken().isEmpty() && presented != null
                && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                properties.serviceToken().getBytes(StandardCharsets.UTF_8));
    }

    private static HttpServletRequest authenticated(HttpServletRequest request) {
        return new HttpServletRequestWrapper(request) {
            @Override
            public Principal getUserPrincipal() {
                return SERVICE;
            }
        };
    }

    private String presentedToken(HttpServletRequest request) {
        String token = request.getHeader(properties.tokenHeader());
        if (token != null) {
            return token;
        }
        String auth = request.getHeader(HttpHeaders.AUTHORIZATION);
        return auth != null && auth.startsWith(BEARER) ? auth.substring(BEARER.length()) : null;
    }

    private static void reject(HttpServletResponse response, String detail) throws IOException {
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.getOutputStream().write(WireJson.toBytes(ApiError.of("UNAUTHORIZED", detail)));
    }
}
