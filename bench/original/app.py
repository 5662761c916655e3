"""The original system's users API, as the seed wrote it (the original design: the project brief's
seeds/000_12dac6fbf05ce978.txt, "Step 5: Using D1 in FastAPI (app.py)"), unchanged, for
``npm run bench:api`` (bench/api.ts) to measure beside ours. It runs against the bench Worker's
re-creation of the original endpoints (bench/worker/index.ts):
``WORKER_URL=... python -m uvicorn app:app --port 8000``.
"""

from fastapi import FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from db import db_query, db_run

app = FastAPI()

app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_methods=["*"],
    allow_headers=["*"],
)

@app.on_event("startup")
async def init_db():
    await db_run("""
        CREATE TABLE IF NOT EXISTS users (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            email TEXT UNIQUE NOT NULL,
            name TEXT,
            created_at DATETIME DEFAULT CURRENT_TIMESTAMP
        )
    """)

@app.get("/api/users")
async def get_users():
    users = await db_query("SELECT * FROM users ORDER BY created_at DESC")
    return {"users": users}

@app.post("/api/users")
async def create_user(data: dict):
    email = data.get("email")
    name = data.get("name", "")
    if not email:
        raise HTTPException(400, "Email required")
    await db_run("INSERT INTO users (email, name) VALUES (?, ?)", [email, name])
    return {"success": True, "email": email}
