-- Argo CD health of a SQLFlowJob (sqlflow.org/v1alpha1). Argo CD runs it with the object as
-- `obj` (gopher-lua, Lua 5.1): Progressing while the job is pending or running, Healthy once
-- it succeeded, Degraded when it failed, errored or was cancelled; the message is the job's.
-- The operator's conditions come first (Ready / Reconciling / Stalled, as kstatus reads them),
-- then status.phase for a status written without them.
local hs = {}
local status = obj.status
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to pick the job up"
  return hs
end

-- A spec change (spec.cancel) the operator has not seen yet: what status says is stale.
local generation = obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to see generation " .. tostring(generation)
  return hs
end

local function condition(type)
  if status.conditions ~= nil then
    for _, c in ipairs(status.conditions) do
      if c.type == type then
        return c
      end
    end
  end
  return nil
end

local function message(c)
  local m = status.message
  if (m == nil or m == "") and c ~= nil then
    m = c.message
  end
  if m == nil or m == "" then
    m = status.phase
  end
  if status.progress ~= nil and status.phase == "Running" then
    m = m .. " (" .. status.progress .. " steps)"
  end
  return m
end

local ready, stalled, reconciling = condition("Ready"), condition("Stalled"), condition("Reconciling")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = message(ready)
elseif stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = message(stalled)
elseif reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = message(reconciling)
elseif status.phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = message(nil)
elseif status.phase == "Failed" or status.phase == "Error" or status.phase == "Cancelled" then
  hs.status = "Degraded"
  hs.message = message(nil)
else
  hs.status = "Progressing"
  hs.message = message(nil)
end
return hs
