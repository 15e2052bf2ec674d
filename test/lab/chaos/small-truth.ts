import type { GroundTruth } from '../../../lab/chaos/outcome.ts';
import { startSite } from '../../../lab/site/server.ts';

/**
 * A small real site's ground truth and its items as the Tieba spider stores
 * them (partial documents keyed by thread id, dotted paths): a list row and a
 * thread page per thread, as JSON lines.
 */
export const line = (o: Record<string, unknown>) => `${JSON.stringify(o)}\n`;

export async function smallTruth(): Promise<{ truth: GroundTruth; lines: string[] }> {
  const site = await startSite({ listPages: 1, threadsPerPage: 3, seed: 4 });
  await site.close();
  const docs = site.truthDocuments();
  const lines: string[] = [];
  for (const d of docs) {
    const key = String(d.tid);
    const user = (u: { userId: number; userName: string }) => ({ id: String(u.userId), name: u.userName });
    lines.push(
      line({
        _key: key,
        key,
        tid: key,
        title: d.title,
        author: user(d.author),
        replyNum: d.replyNum,
        isTop: d.isTop,
        isGood: d.isGood,
        listPn: d.listPn,
      }),
    );
    const page: Record<string, unknown> = {
      _key: key,
      key,
      createdIso: `${d.floors[0]!.time.replace(' ', 'T')}:00+08:00`,
    };
    for (const f of d.floors.filter((x) => x.page === 1)) {
      const p = `floors.${f.postId}`;
      Object.assign(page, {
        [`${p}.postId`]: String(f.postId),
        [`${p}.floor`]: f.postNo,
        [`${p}.author`]: user(f.author),
        [`${p}.content`]: f.text,
        [`${p}.images`]: f.images,
        [`${p}.time`]: f.time,
        [`${p}.timeIso`]: `${f.time.replace(' ', 'T')}:00+08:00`,
      });
      for (const c of f.subComments)
        page[`${p}.subComments.${c.commentId}`] = {
          commentId: String(c.commentId),
          author: { name: c.author.userName },
          to: { name: c.to.userName },
          text: c.text,
        };
    }
    lines.push(line(page));
  }
  return { truth: { pages: 0, docs, allPages: false }, lines };
}
