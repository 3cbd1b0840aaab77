package dev.tollgate.core.limits;

/** The outcome of {@link LimitStore#admitAndLease}: the call's decision and the slice granted. */
public record LeasedAdmission(AdmitDecision decision, Lease granted) {}
