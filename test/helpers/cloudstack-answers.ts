// Our answers to the CloudStack agent module methods whose real answers CloudStack's tests
// captured (exec_domr, ovs_dom0_stats, ovs_domU_stats), for the golden test.
export async function cloudstackAnswers(method: string): Promise<unknown> {
  throw new Error(`no producer for ${method}`);
}
