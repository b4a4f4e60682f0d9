// A TypeDoc plugin: puts each export of the package into its API group (see
// groups.mjs) as a category, so the reference reads by task (tunnels, links,
// events, apply, errors, codec) while links between symbols resolve as in one
// module. An export without a group is a warning (and so fails `npm run docs`).
import { Comment, CommentTag, Converter, ReflectionKind } from 'typedoc';
import { API_GROUPS } from './groups.mjs';

const groupOf = new Map(API_GROUPS.flatMap((g) => g.names.map((n) => [n, g.title])));

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const project = context.project;
    // One entry point: its exports are the project's children, or those of its one module.
    const only = project.children?.length === 1 ? project.children[0] : undefined;
    const owner = only?.kindOf(ReflectionKind.Module) ? only : project;
    owner.comment ??= new Comment();
    for (const g of API_GROUPS) {
      owner.comment.blockTags.push(
        new CommentTag('@categoryDescription', [{ kind: 'text', text: `${g.title}\n${g.description}` }]),
      );
    }
    for (const refl of owner.children ?? []) {
      const title = groupOf.get(refl.name);
      if (title === undefined) {
        app.logger.warn(`${refl.name} is exported but in no API group: add it to typedoc/groups.mjs`);
        continue;
      }
      const sig = refl.signatures?.[0];
      if (!refl.comment && !sig?.comment) refl.comment = new Comment();
      const target = refl.comment ?? sig.comment;
      target.blockTags.push(new CommentTag('@category', [{ kind: 'text', text: title }]));
    }
  });
}
