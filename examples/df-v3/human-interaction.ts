/**
 * Human interaction, the Durable Functions JavaScript v3 sample ("Approval workflow"): ask for an approval (with
 * retries), then wait for the "ApprovalEvent" external event or a deadline, whichever comes first. Only the import
 * is changed.
 */
import * as df from "taskhub/durable-functions";

/** The orchestration's input. */
export interface ApprovalRequest {
  readonly document: string;
  /** How long the approver has, in ms. */
  readonly timeoutMs: number;
}

df.app.orchestration("ApprovalWorkflow", function* (context) {
  const request = context.df.getInput<ApprovalRequest>();
  const retry = new df.RetryOptions(100, 3);
  yield context.df.callActivityWithRetry("RequestApproval", retry, request.document);
  context.df.setCustomStatus({ waitingFor: "approval", document: request.document });

  const deadline = new Date(context.df.currentUtcDateTime.getTime() + request.timeoutMs);
  const timeoutTask = context.df.createTimer(deadline);
  const approvalTask = context.df.waitForExternalEvent("ApprovalEvent");

  const winner = yield context.df.Task.any([approvalTask, timeoutTask]);
  if (winner === approvalTask) {
    timeoutTask.cancel();
    const outcome: string = yield context.df.callActivity("ProcessApproval", approvalTask.result);
    context.df.setCustomStatus({ done: outcome });
    return outcome;
  }
  const outcome: string = yield context.df.callActivity("Escalate", request.document);
  context.df.setCustomStatus({ done: outcome });
  return outcome;
});

/** Approval requests sent so far, by document (the sample's stand-in for a mail or SMS to the approver). */
export const approvalRequests = new Map<string, number>();

df.app.activity("RequestApproval", {
  handler: (document: string) => {
    const sent = (approvalRequests.get(document) ?? 0) + 1;
    approvalRequests.set(document, sent);
    // The mail service fails the first time: callActivityWithRetry retries it.
    if (sent === 1) throw new Error("The mail service is unavailable, try again.");
    return `approval requested for ${document}`;
  },
});

df.app.activity("ProcessApproval", {
  handler: (approval: { approved: boolean; by: string }) =>
    approval.approved ? `approved by ${approval.by}` : `rejected by ${approval.by}`,
});

df.app.activity("Escalate", {
  handler: (document: string) => `escalated ${document} to the manager`,
});
