// What an ss_record of the generic SCSI plugin names: an iSCSI array (its portals from
// access_host, CHAP from the record) or the host's Fibre Channel fabric. Bad or missing
// fields are refused here, naming the field, before anything runs.
import { AgentError } from '../../../../core/errors.js';
import type { SsRecord } from '../../../../core/storage/records.js';
import { parseChap, parsePortal, type ChapCredentials, type Portal } from '../../../../core/storage/scsi/iscsi-names.js';

export type ScsiArray = { kind: 'iscsi'; portals: Portal[]; chap?: ChapCredentials } | { kind: 'fc' };

const FC_TYPE = /^(fc|fcp|fibre ?channel|fiber ?channel|fibrechannel)$/i;

export function scsiArrayOf(ss: SsRecord): ScsiArray {
  const type = (ss.storage_type ?? '').trim();
  const host = (ss.access_host ?? '').trim();
  if (FC_TYPE.test(type)) return { kind: 'fc' };
  if (type !== '' && !/^(iscsi|san|iscsiarray)$/i.test(type))
    throw new AgentError('STORAGE_INVALID', `ss_record.storage_type: ${JSON.stringify(type.slice(0, 40))} is not an array type of the generic SCSI plugin (iSCSI, FibreChannel)`);
  if (host === '') throw new AgentError('STORAGE_INVALID', 'ss_record.access_host: the iSCSI portal address is required (or storage_type FibreChannel)');
  const portals = host
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((h) => {
      const p = parsePortal(h, 'ss_record.access_host');
      if (!/:\d+$|\]:\d+$/.test(h) && ss.access_port !== undefined) {
        if (ss.access_port < 1 || ss.access_port > 65535) throw new AgentError('STORAGE_INVALID', 'ss_record.access_port: must be 1-65535');
        p.port = ss.access_port;
      }
      return p;
    });
  const arr: ScsiArray = { kind: 'iscsi', portals };
  const chap = chapOf(ss);
  if (chap) arr.chap = chap;
  return arr;
}

function chapOf(ss: SsRecord): ChapCredentials | undefined {
  const c = ss.chapCredentials;
  if (!c) {
    if (ss.chapRequired) throw new AgentError('STORAGE_CREDENTIALS_MISSING', 'ss_record.chap: CHAP is on but no credentials were given (chap_username, chap_password)');
    return undefined;
  }
  if (!c.username) throw new AgentError('STORAGE_CREDENTIALS_MISSING', 'ss_record.chap_username: the CHAP user name is missing');
  if (!c.password) throw new AgentError('STORAGE_CREDENTIALS_MISSING', 'ss_record.chap_password: the CHAP secret is missing');
  if ((c.mutual_username ?? '') !== '' && (c.mutual_password ?? '') === '')
    throw new AgentError('STORAGE_CREDENTIALS_MISSING', 'ss_record.mutual_chap_password: mutual CHAP needs the target secret');
  if ((c.mutual_password ?? '') !== '' && (c.mutual_username ?? '') === '')
    throw new AgentError('STORAGE_CREDENTIALS_MISSING', 'ss_record.mutual_chap_username: mutual CHAP needs the target user name');
  return parseChap({ username: c.username, password: c.password, mutual_username: c.mutual_username, mutual_password: c.mutual_password }, 'ss_record.chap');
}
