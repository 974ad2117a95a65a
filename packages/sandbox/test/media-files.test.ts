import { expect, test } from 'vitest';
import { MediaFiles } from '../src/media-files.js';

const file = (size: number) => ({ data: new Uint8Array(size), mime: 'image/png', fileName: 'a.png' });

test('upload bytes stay within the budget: the oldest go first and are reported as evicted', () => {
  const files = new MediaFiles(10);
  files.put('photo1_1', file(4));
  files.put('photo1_2', file(4));
  files.put('photo1_3', file(4));
  expect(files.get('photo1_1')).toBe('evicted');
  expect(files.get('photo1_2')).toMatchObject({ mime: 'image/png' });
  expect(files.get('photo1_3')).toMatchObject({ fileName: 'a.png' });
  expect(files.get('photo1_9')).toBeUndefined();
  // A file bigger than the budget is still kept (alone): the newest is never dropped.
  files.put('doc1_4', file(20));
  expect(files.get('doc1_4')).toMatchObject({ mime: 'image/png' });
  expect([files.get('photo1_2'), files.get('photo1_3')]).toEqual(['evicted', 'evicted']);
});
