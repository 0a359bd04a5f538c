package io.impipeline.platform.web;

/** The body of every 4xx/5xx answer of the REST APIs: a stable code and a reason a person can read. */
public record ApiError(String error, String detail) {

    public static ApiError of(String error, String detail) {
        return new ApiError(error, detail);
    }
}
