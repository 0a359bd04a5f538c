/**
 * A dead letter as data: the record decoded into the columns of {@code dead_letters}
 * ({@link io.impipeline.dlq.letter.CapturedDeadLetter}), its headers in their stored form and JSON, the message ids
 * read from its value, and the text views PostgreSQL can store. Depends on no other dlq package: {@code store} keeps
 * it, {@code capture} makes it, {@code replay} and {@code web} read it back.
 */
package io.impipeline.dlq.letter;
